// DescribeCluster: v0-1. Behaviour: the cluster id, the brokers and the controller (this node on
// a single node); endpoint type 2 (controllers, KIP-919) is UNSUPPORTED_ENDPOINT_TYPE.
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeCluster } from '../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';
import { authorizedOperations } from '../authorized-operations.js';
import { endpointOn } from '../../cluster/metadata-image.js';
import { allowedCluster } from '../authz.js';

const BROKERS = 1;

export const describeClusterHandler = defineHandler(DescribeCluster, { min: 0, max: 1 }, (ctx, req) => {
  const endpointType = ctx.header.apiVersion >= 1 ? req.endpointType : BROKERS;
  const base = { throttleTimeMs: 0, endpointType, clusterId: ctx.metadata.image.clusterId, clusterAuthorizedOperations: authorizedOperations('cluster', req.includeClusterAuthorizedOperations, (op) => allowedCluster(ctx, op)) };
  if (endpointType !== BROKERS) {
    return { ...base, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER', controllerId: -1, brokers: [] };
  }
  return {
    ...base,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    controllerId: ctx.metadata.image.controllerId,
    brokers: ctx.metadata.image.brokers().map((b) => ({ brokerId: b.id, ...endpointOn(b, ctx.conn.session.listener.name), rack: b.rack })),
  };
});
