/**
 * The four SCRAM messages (RFC 5802 §7), parsed and written as Kafka's broker does:
 *
 *   client-first  gs2-header client-first-bare       "n,," ["a=" authzid] ... "n=" saslname ",r=" c-nonce [",ext=value"]*
 *   server-first  "r=" c-nonce s-nonce ",s=" base64(salt) ",i=" iterations
 *   client-final  "c=" base64(gs2-header) ",r=" nonce [",ext=value"]* ",p=" base64(ClientProof)
 *   server-final  "v=" base64(ServerSignature)
 *
 * Channel binding is not offered: the gs2 flag must be "n" ("y" and "p=" are refused, as in Kafka).
 * A name's "," and "=" travel as "=2C" and "=3D"; any other "=" is refused (RFC 5802 §5.1). The
 * reserved "m=" attribute is refused; other extensions are ignored, except Kafka's delegation-token
 * flag `tokenauth=true`, which Eddy does not support. Parsing is pure; a malformed message throws
 * SaslFailure.
 */
import { SaslFailure } from './sasl-exchange.js';

export interface ClientFirstMessage {
  /** "n,," or "n,a=<authzid>,": the client must echo it, base64-encoded, in client-final. */
  readonly gs2Header: string;
  /** The authorization id ("" when absent). */
  readonly authzid: string;
  readonly username: string;
  readonly nonce: string;
  /** client-first-message-bare, the first part of the AuthMessage. */
  readonly bare: string;
}

export interface ClientFinalMessage {
  readonly channelBinding: string;
  readonly nonce: string;
  /** The message up to the proof (client-final-message-without-proof), the last part of the AuthMessage. */
  readonly withoutProof: string;
  readonly proof: Buffer;
}

/** printable = %x21-2B / %x2D-7E: visible ASCII except ",". */
const NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const EXTENSION = /^[A-Za-z]+=/;

function malformed(what: string): SaslFailure {
  return new SaslFailure(`Authentication failed: malformed SCRAM ${what}`);
}

/** Decodes a saslname ("=2C" → ",", "=3D" → "="). */
export function decodeSaslName(name: string): string {
  if (/=(?!2C|3D)/.test(name)) throw malformed('name: "=" must be followed by 2C or 3D');
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** Encodes a name as a saslname. */
export function encodeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function checkExtensions(attributes: string[], what: string): void {
  for (const attribute of attributes) {
    if (!EXTENSION.test(attribute)) throw malformed(`${what}: "${attribute.slice(0, 40)}" is not an attribute`);
    if (attribute === 'tokenauth=true') throw new SaslFailure('Authentication failed: delegation tokens are not supported');
  }
}

export function parseClientFirst(text: string): ClientFirstMessage {
  const flagEnd = text.indexOf(',');
  const headerEnd = flagEnd < 0 ? -1 : text.indexOf(',', flagEnd + 1);
  if (headerEnd < 0) throw malformed('client-first message: no gs2 header');
  const flag = text.slice(0, flagEnd);
  if (flag === 'y' || flag.startsWith('p=')) throw new SaslFailure('Authentication failed: SCRAM channel binding is not supported');
  if (flag !== 'n') throw malformed('client-first message: the gs2 flag must be "n"');
  const authzidField = text.slice(flagEnd + 1, headerEnd);
  if (authzidField !== '' && !authzidField.startsWith('a=')) throw malformed('client-first message: bad authorization id field');
  const authzid = authzidField === '' ? '' : decodeSaslName(authzidField.slice(2));
  const bare = text.slice(headerEnd + 1);
  const [nameField, nonceField, ...extensions] = bare.split(',');
  if (nameField?.startsWith('m=')) throw new SaslFailure('Authentication failed: SCRAM mandatory extensions are not supported');
  if (nameField === undefined || !nameField.startsWith('n=')) throw malformed('client-first message: no username');
  if (nonceField === undefined || !nonceField.startsWith('r=')) throw malformed('client-first message: no nonce');
  const username = decodeSaslName(nameField.slice(2));
  if (username.length === 0) throw malformed('client-first message: empty username');
  const nonce = nonceField.slice(2);
  if (!NONCE.test(nonce)) throw malformed('client-first message: the nonce must be printable ASCII without ","');
  checkExtensions(extensions, 'client-first message');
  return { gs2Header: text.slice(0, headerEnd + 1), authzid, username, nonce, bare };
}

export function formatServerFirst(nonce: string, salt: Uint8Array, iterations: number): string {
  return `r=${nonce},s=${Buffer.from(salt).toString('base64')},i=${iterations}`;
}

export function parseClientFinal(text: string): ClientFinalMessage {
  const proofAt = text.lastIndexOf(',p=');
  if (proofAt < 0) throw malformed('client-final message: no proof');
  const withoutProof = text.slice(0, proofAt);
  const proofText = text.slice(proofAt + 3);
  const [bindingField, nonceField, ...extensions] = withoutProof.split(',');
  if (bindingField === undefined || !bindingField.startsWith('c=')) throw malformed('client-final message: no channel binding');
  if (nonceField === undefined || !nonceField.startsWith('r=')) throw malformed('client-final message: no nonce');
  checkExtensions(extensions, 'client-final message');
  if (proofText.length === 0 || !BASE64.test(proofText)) throw malformed('client-final message: the proof is not base64');
  return { channelBinding: bindingField.slice(2), nonce: nonceField.slice(2), withoutProof, proof: Buffer.from(proofText, 'base64') };
}

export function formatServerFinal(serverSignature: Uint8Array): string {
  return `v=${Buffer.from(serverSignature).toString('base64')}`;
}
