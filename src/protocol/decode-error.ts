/** Raised for any frame that does not decode; the server closes the connection on it. */
export class DecodeError extends Error {
  readonly code = 'SAMSA_DECODE';
  constructor(message: string) {
    // No stack trace: the message names the offending bytes, and capturing a stack made up ~60% of
    // the cost of rejecting a malformed frame (fuzz profile), which a hostile client controls.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'DecodeError';
  }
}
