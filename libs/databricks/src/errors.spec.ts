import {
  BadRequest,
  Cancelled,
  DatabricksError,
  DeadlineExceeded,
  InternalError,
  NotFound,
  NotImplemented,
  PermissionDenied,
  ResourceConflict,
  TemporarilyUnavailable,
  TooManyRequests,
  Unauthenticated,
  UnknownApiError,
  parseApiError,
  parseErrorBody,
} from './errors.js';

describe('parseErrorBody: every shape the workspace sends', () => {
  it('reads the current {error_code, message, details}', () => {
    const body = JSON.stringify({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: "Path (/Repos/x) doesn't exist.",
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'X' }],
    });
    expect(parseErrorBody(body)).toEqual({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: "Path (/Repos/x) doesn't exist.",
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'X' }],
    });
  });

  it('reads API 1.2 {error}', () => {
    expect(parseErrorBody('{"error": "Cluster 0123 does not exist"}')).toEqual({
      errorCode: undefined,
      message: 'Cluster 0123 does not exist',
      details: undefined,
    });
  });

  it('reads OAuth {error, error_description}', () => {
    expect(
      parseErrorBody('{"error":"invalid_client","error_description":"Client authentication failed"}'),
    ).toMatchObject({
      errorCode: 'invalid_client',
      message: 'Client authentication failed',
    });
  });

  it('reads plain text CODE: message', () => {
    expect(parseErrorBody('INVALID_STATE: Cluster is terminating\n')).toEqual({
      errorCode: 'INVALID_STATE',
      message: 'Cluster is terminating',
    });
    expect(parseErrorBody('upstream connect error')).toEqual({ message: 'upstream connect error' });
  });

  it('reads a Jetty HTML error page (the reason in <pre>) and an nginx one (the <title>)', () => {
    const jetty =
      '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n<title>Error 403 Invalid access token.</title>\n</head>\n<body><h2>HTTP ERROR 403</h2>\n<p>Problem accessing /api/2.0/repos. Reason:\n<pre>    Invalid access token.</pre></p>\n</body>\n</html>';
    expect(parseErrorBody(jetty)).toEqual({ message: 'Invalid access token.' });
    expect(
      parseErrorBody('<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body></body></html>'),
    ).toEqual({
      message: '502 Bad Gateway',
    });
  });

  it('gives nothing for an empty body (the caller falls back to the HTTP reason)', () => {
    expect(parseErrorBody('')).toEqual({});
    expect(parseErrorBody('  \n')).toEqual({});
  });
});

describe('parseApiError: status and code to class', () => {
  it.each([
    [400, BadRequest, 'BAD_REQUEST'],
    [401, Unauthenticated, 'UNAUTHENTICATED'],
    [403, PermissionDenied, 'PERMISSION_DENIED'],
    [404, NotFound, 'NOT_FOUND'],
    [409, ResourceConflict, 'RESOURCE_CONFLICT'],
    [429, TooManyRequests, 'TOO_MANY_REQUESTS'],
    [499, Cancelled, 'CANCELLED'],
    [500, InternalError, 'INTERNAL_ERROR'],
    [501, NotImplemented, 'NOT_IMPLEMENTED'],
    [503, TemporarilyUnavailable, 'TEMPORARILY_UNAVAILABLE'],
    [504, DeadlineExceeded, 'DEADLINE_EXCEEDED'],
    [502, UnknownApiError, 'UNKNOWN'],
  ])('status %i without a body → %p with code %s and the HTTP reason as message', (status, cls, code) => {
    const error = parseApiError({ status, body: '' });
    expect(error).toBeInstanceOf(cls);
    expect(error).toBeInstanceOf(DatabricksError);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('uses the statusText when the server gives one', () => {
    expect(parseApiError({ status: 418, statusText: "I'm a teapot", body: '' }).message).toBe("I'm a teapot");
  });

  it('lets a telling error_code pick the class over its status', () => {
    const e = parseApiError({
      status: 400,
      body: '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Model m does not exist"}',
    });
    expect(e).toBeInstanceOf(NotFound);
    const c = parseApiError({ status: 400, body: '{"error_code":"RESOURCE_ALREADY_EXISTS","message":"exists"}' });
    expect(c).toBeInstanceOf(ResourceConflict);
    expect(c.code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it('keeps Git codes as codes on the status class', () => {
    const e = parseApiError({
      status: 400,
      body: '{"error_code":"GIT_UNKNOWN_REF","message":"Branch nope does not exist"}',
    });
    expect(e).toBeInstanceOf(BadRequest);
    expect(e.code).toBe('GIT_UNKNOWN_REF');
  });

  it('maps the jobs "does not exist" 400 to NotFound on jobs/get, runs/get and runs/get-output only', () => {
    const body = '{"error_code":"INVALID_PARAMETER_VALUE","message":"Job 123 does not exist."}';
    for (const path of ['/api/2.2/jobs/get', '/api/2.1/jobs/runs/get', '/api/2.2/jobs/runs/get-output']) {
      const e = parseApiError({ status: 400, body, path, method: 'GET' });
      expect({ path, cls: e.constructor.name, code: e.code, raw: e.errorCode }).toEqual({
        path,
        cls: 'NotFound',
        code: 'RESOURCE_DOES_NOT_EXIST',
        raw: 'INVALID_PARAMETER_VALUE',
      });
    }
    const other = parseApiError({ status: 400, body, path: '/api/2.2/jobs/reset', method: 'POST' });
    expect(other).toBeInstanceOf(BadRequest);
    const unrelated = parseApiError({
      status: 400,
      body: '{"error_code":"INVALID_PARAMETER_VALUE","message":"Job settings must have a name"}',
      path: '/api/2.2/jobs/get',
    });
    expect(unrelated).toBeInstanceOf(BadRequest);
  });

  it('takes the request id from the header, else from a RequestInfo detail', () => {
    const body = JSON.stringify({
      error_code: 'INTERNAL_ERROR',
      message: 'boom',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RequestInfo', request_id: 'abc-123', serving_data: '' }],
    });
    expect(parseApiError({ status: 500, body }).requestId).toBe('abc-123');
    expect(parseApiError({ status: 500, body, requestIdHeader: 'hdr-1' }).requestId).toBe('hdr-1');
  });

  it('serialises without stack or cause, naming endpoint and codes', () => {
    const e = parseApiError({
      status: 409,
      body: '{"error_code":"GIT_CONFLICT","message":"dirty"}',
      method: 'PATCH',
      path: '/api/2.0/repos/1',
    });
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      name: 'ResourceConflict',
      code: 'GIT_CONFLICT',
      message: 'dirty',
      status: 409,
      error_code: 'GIT_CONFLICT',
      endpoint: 'PATCH /api/2.0/repos/1',
    });
  });
});
