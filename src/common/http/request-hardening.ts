import {
  BadRequestException,
  HttpException,
  PayloadTooLargeException,
  RequestTimeoutException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { json } from 'express';
import type { HttpExceptionFilter } from '../errors/http-exception.filter';

/** JSON deeper than this is refused before validation walks it (recursion has a stack). */
export const MAX_BODY_DEPTH = 64;

/**
 * Keys that reach an object's prototype in JavaScript. Refused anywhere in a body: the object
 * mappers would silently drop them (turning a pipeline filter into match-all) or worse.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/**
 * The Express layers every request passes before Nest sees it: a deadline for receiving the
 * request, JSON-only bodies (415 otherwise, which also stops cross-site form posts), the parser
 * with a size limit, and a nesting limit. Each refusal is an HttpException shaped by the one
 * exception filter.
 */
export function requestHardening(options: {
  filter: HttpExceptionFilter;
  bodyLimitBytes: number;
  requestTimeoutMs: number;
}): (RequestHandler | ErrorRequestHandler)[] {
  const fail = (error: unknown, request: Request, response: Response, next: NextFunction) =>
    options.filter.catch(error, new ExecutionContextHost([request, response, next]));

  const deadline: RequestHandler = (request, response, next) => {
    const timer = setTimeout(() => {
      if (!request.complete && !response.headersSent) {
        // The client declared more than it sent (or sends slowly): answer and close.
        response.setHeader('connection', 'close');
        response.on('finish', () => request.socket.destroy());
        fail(
          new RequestTimeoutException('The request was not received completely in time'),
          request,
          response,
          next,
        );
      }
    }, options.requestTimeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    response.on('finish', clear);
    response.on('close', clear);
    next();
  };

  const jsonOnly: RequestHandler = (request, response, next) => {
    if (!hasBody(request)) {
      next();
      return;
    }
    const type = request.headers['content-type'] ?? '';
    const [mediaType, ...parameters] = type.split(';').map((part) => part.trim().toLowerCase());
    const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length);
    if (mediaType !== 'application/json') {
      fail(
        new UnsupportedMediaTypeException(
          `Request bodies must be application/json (got ${JSON.stringify(mediaType || 'none')})`,
        ),
        request,
        response,
        next,
      );
      return;
    }
    if (charset !== undefined && charset.replace(/"/g, '') !== 'utf-8') {
      fail(
        new UnsupportedMediaTypeException('JSON request bodies must be UTF-8'),
        request,
        response,
        next,
      );
      return;
    }
    next();
  };

  const parse = json({ limit: options.bodyLimitBytes, strict: true, type: 'application/json' });

  const parseErrors: ErrorRequestHandler = (error: unknown, request, response, next) => {
    fail(toHttpException(error, options.bodyLimitBytes), request, response, next);
  };

  const shape: RequestHandler = (request, response, next) => {
    const problem = bodyShapeProblem(request.body, MAX_BODY_DEPTH);
    if (problem) {
      fail(new BadRequestException(problem), request, response, next);
      return;
    }
    next();
  };

  return [deadline, jsonOnly, parse, parseErrors, shape];
}

function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

/** body-parser's errors carry the 4xx they stand for; anything else about a body is a 400. */
function toHttpException(error: unknown, limit: number): HttpException {
  const { type, status } = (error ?? {}) as { type?: unknown; status?: unknown };
  switch (type) {
    case 'entity.too.large':
      return new PayloadTooLargeException(`The request body is larger than ${limit} bytes`);
    case 'encoding.unsupported':
      return new UnsupportedMediaTypeException(
        'Unsupported content-encoding (identity, gzip, deflate and br are accepted)',
      );
    case 'charset.unsupported':
      return new UnsupportedMediaTypeException('JSON request bodies must be UTF-8');
    case 'entity.parse.failed':
      return new BadRequestException('The request body is not valid JSON');
    case 'request.aborted':
    case 'request.size.invalid':
      return new BadRequestException('The request body is incomplete');
    default:
      return new BadRequestException(
        typeof status === 'number' && status === 415
          ? 'Unsupported request body encoding'
          : 'The request body could not be read',
      );
  }
}

/**
 * Why a parsed body is refused: nested deeper than `max`, or a prototype key (named with its
 * path). Iterative, so a hostile depth cannot overflow the stack while it is measured.
 */
export function bodyShapeProblem(value: unknown, max: number): string | undefined {
  const stack: [unknown, number, string][] = [[value, 0, '']];
  while (stack.length > 0) {
    const [current, level, path] = stack.pop()!;
    if (current === null || typeof current !== 'object') {
      continue;
    }
    if (level >= max) {
      return `The request body is nested deeper than ${max} levels`;
    }
    for (const [key, child] of Object.entries(current)) {
      const childPath = Array.isArray(current) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      if (!Array.isArray(current) && PROTOTYPE_KEYS.has(key)) {
        return `${childPath}: the key "${key}" is not allowed`;
      }
      stack.push([child, level + 1, childPath]);
    }
  }
  return undefined;
}
