import type { NextFunction, Request, Response } from 'express';
import { issue, operationOutcome } from '../errors/operation-outcome';
import { FHIR_JSON } from './fhir-json';

/** Answers 503 with a `timeout` OperationOutcome when a request has not been answered in time. */
export function requestTimeout(ms: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    let timer: NodeJS.Timeout | undefined;
    const clear = () => clearTimeout(timer);
    // listeners first: the timer is armed only for a response that can clear it
    res.on('finish', clear);
    res.on('close', clear);
    timer = setTimeout(() => {
      if (res.headersSent) return;
      req.log?.warn({ ms }, 'request timed out');
      res.status(503).type(`${FHIR_JSON}; charset=utf-8`).send(JSON.stringify(operationOutcome([
        issue({ severity: 'error', code: 'timeout', text: `The request was not answered within ${ms} ms` }),
      ])));
    }, ms);
    timer.unref();
    next();
  };
}
