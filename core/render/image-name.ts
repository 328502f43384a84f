/**
 * `koderover.example.com/demo/service2:latest` → `service2`; registry ports
 * (`host:5000/app`) and digests (`app@sha256:...`) are handled.
 */
export function imageName(image: string): string {
  let reference = image.trim();
  const at = reference.indexOf('@');
  if (at !== -1) reference = reference.slice(0, at);
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon > slash) reference = reference.slice(0, colon);
  return reference.slice(reference.lastIndexOf('/') + 1);
}
