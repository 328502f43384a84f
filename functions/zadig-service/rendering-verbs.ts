/**
 * The verbs of this group that render templates. `app.ts` imports this module
 * on the first request that runs one of them: the requests that only read or
 * delete (most of them) never evaluate the renderer and the YAML reader they
 * bring.
 */
export { createRawService, createServiceFromTemplate } from '../../core/services/create-service.ts';
export { updateServiceVariables, updateServiceYaml } from '../../core/services/update-service.ts';
export { createTemplate } from '../../core/templates/create-template.ts';
export { updateTemplate } from '../../core/templates/update-template.ts';
