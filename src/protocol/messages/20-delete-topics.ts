// DeleteTopics (key 20), v0-6: deletes topics by name or topic id.
import { api, f } from '../schema.js';

export const DeleteTopics = api({
  key: 20,
  name: 'DeleteTopics',
  versions: '0-6',
  flexible: '4+',
  request: {
    topics: f.structs('6+', 'DeleteTopicState', {
      name: f.string('6+', { nullable: '6+', default: null }),
      topicId: f.uuid('6+'),
    }),
    topicNames: f.array('0-5', 'string'),
    timeoutMs: f.int32('0+'),
  },
  response: {
    throttleTimeMs: f.int32('1+'),
    responses: f.structs('0+', 'DeletableTopicResult', {
      name: f.string('0+', { nullable: '6+' }),
      topicId: f.uuid('6+'),
      errorCode: f.int16('0+'),
      errorMessage: f.string('5+', { nullable: '5+', default: null }),
    }),
  },
});
