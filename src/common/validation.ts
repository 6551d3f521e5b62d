import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainException } from './errors/domain.exception';
import { ErrorCode } from './errors/error-codes';

interface FieldProblem {
  field: string;
  problems: string[];
}

function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** The global pipe: whitelist and transform, and a 400 INVALID_PARAMETER that names each field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      const message = `Invalid parameter${fields.length > 1 ? 's' : ''}: ${fields.map((f) => f.problems.join('; ')).join('; ')}`;
      return new DomainException(ErrorCode.INVALID_PARAMETER, message, { fields });
    },
  });
}
