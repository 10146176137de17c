/**
 * An error answer in the workspace's envelope: `{"error_code": "...", "message": "..."}` with its status.
 * Handlers throw it; the dispatcher writes it. The codes and statuses are the ones the real service sends
 * for the same situation (see the README's table).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** A string code; a few answers carry a number instead (an invalid token: `403`). */
    readonly errorCode: string | number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const invalidParameter = (message: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', message);
export const notFound = (message: string) => new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', message);
export const alreadyExists = (message: string) => new ApiError(400, 'RESOURCE_ALREADY_EXISTS', message);
