import { ValidationPipe } from '@nestjs/common';
import { InputValidationException, validationDetails } from './errors/error-response';

/** The global pipe: strips nothing silently (unknown fields are refused) and names each field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // One reason per field: "x is required" rather than that plus each type check it then fails.
    stopAtFirstError: true,
    exceptionFactory: (errors) => new InputValidationException(validationDetails(errors)),
  });
}
