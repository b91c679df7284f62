import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { openDatabase } from './database';
import { TransactionService } from './transaction.service';

@Global()
@Module({
  providers: [
    { provide: DataSource, inject: [APP_CONFIG], useFactory: (config: AppConfig) => openDatabase(config) },
    TransactionService,
  ],
  exports: [DataSource, TransactionService],
})
export class DatabaseModule {}
