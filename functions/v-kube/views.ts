import * as v from 'valibot';
import type { HostPortOccupancy } from '../../core/regions/host-ports.ts';
import { parseImageName } from '../../core/registries/image-check.ts';

/**
 * V-Kube's wire shapes, both ways: the request schemas (the document's field
 * names, turned into domain input) and the response views.
 */

/** Absent and empty are the same to this dialect's callers: both are a missing field. */
const present = <S extends v.GenericSchema>(schema: S) =>
  v.pipe(
    v.unknown(),
    v.transform((value) => (value === '' || (Array.isArray(value) && value.length === 0) ? undefined : value)),
    schema,
  );

const Port = v.pipe(v.number(), v.integer('must be an integer'), v.minValue(1), v.maxValue(65535));

export const CheckPortsBody = v.object({
  region: present(v.string()),
  ports: present(v.array(Port)),
});

/** `image` and `tag` as the document has them; the tag may also end the image (`nginx:stable`). */
export const ImageQuery = v.pipe(
  v.object({ image: v.optional(v.string(), ''), tag: v.optional(v.string()) }),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseImageName(dataset.value.image, dataset.value.tag);
    if (parsed) return parsed;
    addIssue({ message: 'must be an image name and a tag' });
    return NEVER;
  }),
);

export const ImageQueryDocs = v.object({
  image: v.pipe(v.string(), v.description('Image name, e.g. nginx or registry.example.com/team/app')),
  tag: v.pipe(v.string(), v.description('Image tag, e.g. stable')),
});

const PORT_STATUS = {
  unknownRegion: 'NoResource',
  unavailable: 'InternalErr',
  occupied: 'PortsOccupied',
  free: 'NotOccupied',
} as const satisfies Record<HostPortOccupancy['outcome'], string>;

export const checkPortsView = (occupancy: HostPortOccupancy) => ({
  occupied: occupancy.occupied,
  status: PORT_STATUS[occupancy.outcome],
});

export const imageFoundView = { status: 'OK' } as const;
