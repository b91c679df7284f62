import { Injectable } from '@nestjs/common';
import * as bcrypt from 'bcryptjs';

/** bcrypt (pure JS, no native build step) with cost 10. */
@Injectable()
export class PasswordHasher {
  hash(password: string): Promise<string> {
    return bcrypt.hash(password, 10);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(password, hash);
  }
}
