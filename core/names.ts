import * as v from 'valibot';

/** Names that become Kubernetes names or follow their rules, checked once here. */
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * JavaScript's `\s`, spelled out as the inside of a character class: the
 * OpenAPI document shows patterns built from it, and other engines read `\s`
 * otherwise.
 */
export const WHITE_SPACE_CLASS = '\\t-\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/** Text without white space. */
export const NO_WHITE_SPACE = new RegExp(`^[^${WHITE_SPACE_CLASS}]+$`);

/** Control characters (Unicode's Cc), spelled out as the inside of a character class, for the same reason. */
export const CONTROL_CHARACTER_CLASS = '\\u0000-\\u001f\\u007f-\\u009f';

const rfc1123Label = v.regex(LABEL, 'must be a lowercase RFC 1123 label (a-z, 0-9, "-", at most 63 characters)');

/** An RFC 1123 label: namespaces, cluster ids, project keys. */
export const Rfc1123Label = v.pipe(v.string(), rfc1123Label);

/**
 * An RFC 1123 label once surrounding white space is removed. One pipe, not
 * `v.pipe(v.string(), v.trim(), Rfc1123Label)`: the OpenAPI converter stops at
 * a pipe's second schema, and the document would lose the pattern.
 */
export const TrimmedRfc1123Label = v.pipe(v.string(), v.trim(), rfc1123Label);

/** An RFC 1123 subdomain: most object names. */
export const Rfc1123Subdomain = v.pipe(
  v.string(),
  v.maxLength(253, 'must be at most 253 characters'),
  v.regex(SUBDOMAIN, 'must be a lowercase RFC 1123 name'),
);
