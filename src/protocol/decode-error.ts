/** Raised for any frame that does not decode; the server closes the connection on it. */
export class DecodeError extends Error {
  readonly code = 'SAMSA_DECODE';
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}
