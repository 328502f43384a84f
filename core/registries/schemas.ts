import * as v from 'valibot';
import { CONTROL_CHARACTER_CLASS, Rfc1123Label } from '../names.ts';
import { isPlainHttp, parseRegistryAddress } from './address.ts';

/** One or more repository path components as the distribution spec defines them: `team`, `team/sub`, `my_org.io`. */
const NAMESPACE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** A registry user name. Basic auth joins user and password with ":", so a user name cannot hold one (RFC 7617). */
export const RegistryUserName = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(255),
  v.regex(new RegExp(`^[^:${CONTROL_CHARACTER_CLASS}]+$`), 'must not contain ":" or control characters'),
);

export const RegistryNamespace = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(255, 'must be at most 255 characters'),
  v.regex(NAMESPACE, 'must be lowercase repository path components (a-z, 0-9, ".", "_", "-", separated by "/")'),
);

export const RegisterRegistryInput = v.pipe(
  v.strictObject({
    /** Optional: a generated id when absent. */
    id: v.optional(Rfc1123Label),
    address: v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1, 'must not be empty'),
      v.maxLength(255, 'must be at most 255 characters'),
      v.check(
        (address) => parseRegistryAddress(address, { insecure: true }) !== undefined,
        'must be an http(s) URL without a path, or host[:port]',
      ),
      v.description(
        '`https://harbor.example.com`, `harbor.example.com:8443` (HTTPS) or, with `insecure`, `http://10.0.0.5:5000`',
      ),
    ),
    namespace: v.pipe(
      RegistryNamespace,
      v.description('The repository namespace (project, organisation) images of this registry live under'),
    ),
    username: v.optional(RegistryUserName),
    password: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(4096))),
    insecure: v.optional(
      v.pipe(v.boolean(), v.description('Allows plain HTTP (the default for a bare host[:port] then)')),
      false,
    ),
  }),
  v.forward(
    v.partialCheck(
      [['username'], ['password']],
      (input) => input.username === undefined || input.password !== undefined,
      'is required when username is given',
    ),
    ['password'],
  ),
  v.forward(
    v.partialCheck(
      [['username'], ['password']],
      (input) => input.password === undefined || input.username !== undefined,
      'is required when password is given',
    ),
    ['username'],
  ),
  v.forward(
    v.partialCheck(
      [['address'], ['insecure']],
      (input) => input.insecure || !isPlainHttp(input.address),
      'must be true for a plain http:// address',
    ),
    ['insecure'],
  ),
);
export type RegisterRegistryInput = v.InferOutput<typeof RegisterRegistryInput>;

/** A registry as the API shows it: the user name may be shown, the password never leaves the store. */
export type RegistryView = {
  id: string;
  address: string;
  namespace: string;
  username: string | null;
  has_credentials: boolean;
  insecure: boolean;
  created_at: string;
  updated_at: string;
  version: number;
};

export type RegistryHealth = { id: string; status: 'ok'; latency_ms: number };
