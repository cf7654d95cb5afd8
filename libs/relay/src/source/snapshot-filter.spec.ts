import { ObjectId } from 'bson';
import { afterId, documentFilterOf } from './snapshot-filter';

describe(documentFilterOf.name, () => {
  it('keeps the conditions on fullDocument fields of the leading $match stages, unprefixed', () => {
    expect(
      documentFilterOf([
        { $match: { 'fullDocument.status': 'paid', operationType: 'insert' } },
        { $match: { $and: [{ 'fullDocument.total': { $gt: 10 } }, { 'ns.coll': 'orders' }] } },
        { $project: { fullDocument: 1 } },
        { $match: { 'fullDocument.late': true } },
      ]),
    ).toEqual({ $and: [{ status: 'paid' }, { total: { $gt: 10 } }] });
  });

  it('is empty when nothing can filter the documents', () => {
    expect(documentFilterOf([])).toEqual({});
    expect(documentFilterOf([{ $match: { operationType: 'update' } }])).toEqual({});
    expect(documentFilterOf([{ $set: { x: 1 } }, { $match: { 'fullDocument.a': 1 } }])).toEqual({});
  });
});

describe(afterId.name, () => {
  it('adds the types that sort after the last _id, so a resumed copy skips none', () => {
    expect(afterId(5)).toEqual({
      $or: [
        { _id: { $gt: 5 } },
        {
          _id: {
            $type: expect.arrayContaining(['string', 'object', 'objectId', 'date', 'maxKey']),
          },
        },
      ],
    });
    const id = new ObjectId();
    const after = afterId(id) as { $or: [unknown, { _id: { $type: string[] } }] };
    expect(after.$or[1]._id.$type).toEqual(['bool', 'date', 'timestamp', 'regex', 'maxKey']);
    expect(afterId('k-1')).toMatchObject({
      $or: [{ _id: { $gt: 'k-1' } }, { _id: { $type: expect.not.arrayContaining(['double']) } }],
    });
  });
});
