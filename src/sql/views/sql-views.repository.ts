import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { MongoServerError } from 'mongodb';
import type { Connection } from 'mongoose';

/** A stored view: its name and the SELECT it stands for. */
export interface SqlView {
  name: string;
  sql: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

interface SqlViewRecord {
  _id: string;
  sql: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const DUPLICATE_KEY = 11000;

/** `sql_views` in the metadata database: the deployment's views (never readable by a query). */
@Injectable()
export class SqlViewsRepository {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  private get collection() {
    return this.connection.collection<SqlViewRecord>('sql_views');
  }

  async list(): Promise<SqlView[]> {
    const records = await this.collection.find({}).sort({ _id: 1 }).toArray();
    return records.map(toView);
  }

  async find(name: string): Promise<SqlView | undefined> {
    const record = await this.collection.findOne({ _id: name });
    return record ? toView(record) : undefined;
  }

  /** False when a view has this name and `replace` is off. */
  async save(view: SqlView, replace: boolean): Promise<boolean> {
    const { name, ...fields } = view;
    if (replace) {
      await this.collection.updateOne(
        { _id: name },
        {
          $set: { sql: fields.sql, updatedAt: fields.updatedAt },
          $setOnInsert: { createdBy: fields.createdBy, createdAt: fields.createdAt },
        },
        { upsert: true },
      );
      return true;
    }
    try {
      await this.collection.insertOne({ _id: name, ...fields });
      return true;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) {
        return false;
      }
      throw error;
    }
  }

  async delete(name: string): Promise<boolean> {
    const result = await this.collection.deleteOne({ _id: name });
    return result.deletedCount === 1;
  }
}

function toView(record: SqlViewRecord): SqlView {
  return {
    name: record._id,
    sql: record.sql,
    createdBy: record.createdBy,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
