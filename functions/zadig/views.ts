import { imageName } from '../../core/render/image-name.ts';

/** What both Zadig groups show alike. */

/** Zadig's times: whole seconds since the epoch. */
export const unixSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** A time the cluster may not have set: 0 then, as Zadig shows it. */
export const unixSecondsOrZero = (iso: string | null): number => (iso ? unixSeconds(iso) : 0);

/** A container as Zadig lists it: with `image_name`, the image repository's last path segment. */
export const containerView = (container: { name: string; image: string }) => ({
  name: container.name,
  image: container.image,
  image_name: imageName(container.image),
});
