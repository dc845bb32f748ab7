// DescribeLogDirs (key 35), v0-4: reports log directories and partition sizes.
import { api, f } from '../schema.js';

export const DescribeLogDirs = api({
  key: 35,
  name: 'DescribeLogDirs',
  versions: '0-4',
  flexible: '2+',
  request: {
    topics: f.structs('0+', 'DescribableLogDirTopic', {
      topic: f.string('0+'),
      partitions: f.array('0+', 'int32'),
    }, { nullable: '0+' }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('3+'),
    results: f.structs('0+', 'DescribeLogDirsResult', {
      errorCode: f.int16('0+'),
      logDir: f.string('0+'),
      topics: f.structs('0+', 'DescribeLogDirsTopic', {
        name: f.string('0+'),
        partitions: f.structs('0+', 'DescribeLogDirsPartition', {
          partitionIndex: f.int32('0+'),
          partitionSize: f.int64('0+'),
          offsetLag: f.int64('0+'),
          isFutureKey: f.bool('0+'),
        }),
      }),
      totalBytes: f.int64('4+', { default: -1 }),
      usableBytes: f.int64('4+', { default: -1 }),
    }),
  },
});
