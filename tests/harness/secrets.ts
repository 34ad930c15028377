/**
 * The engine's secrets provider, reduced to what the state shows: secret config values are stored
 * encrypted (a passphrase- or service-managed key in `pulumi`; a random per-stack key here), plain
 * ones in plain text. `pkg/resource/stack/checkpoint.go` serializes a secret as an object carrying
 * the secret signature and a `ciphertext`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { StoredValue } from "./engine";
import type { ConfigValue } from "./host";

/** A fresh stack secrets key. */
export function newSecretsKey(): string {
  return randomBytes(32).toString("hex");
}

export function encryptConfig(
  config: Record<string, ConfigValue>,
  key: string,
): Record<string, StoredValue> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [
      k,
      typeof v === "string" ? v : { ciphertext: encrypt(v.secret, key) },
    ]),
  );
}

export function decryptConfig(
  stored: Record<string, StoredValue>,
  key: string,
): Record<string, ConfigValue> {
  return Object.fromEntries(
    Object.entries(stored).map(([k, v]) => [
      k,
      typeof v === "string" ? v : { secret: decrypt(v.ciphertext, key) },
    ]),
  );
}

function encrypt(text: string, key: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(key, "hex"), iv);
  const body = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
}

function decrypt(ciphertext: string, key: string): string {
  const raw = Buffer.from(ciphertext.slice(3), "base64");
  const decipher = createDecipheriv("aes-256-gcm", Buffer.from(key, "hex"), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}
