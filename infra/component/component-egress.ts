import type { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * How the functions that call WeChat reach it. WeChat answers 61004 to calls from IPs not on the component's
 * allow list, and Lambda's default egress IPs change, so production needs a fixed IP.
 */
export class WechatEgress {
  private constructor(
    readonly kind: 'lambda-default' | 'nat-gateway' | 'existing-vpc',
    readonly existing?: { vpc: ec2.IVpc; subnets: ec2.SubnetSelection; egressIp?: string },
  ) {}

  /** Lambda's own networking: no VPC, no cost, but IPs WeChat will not allow-list. For trials only. */
  static lambdaDefault(): WechatEgress {
    return new WechatEgress('lambda-default');
  }

  /**
   * A small VPC (two AZs, one NAT gateway whose Elastic IP is the stack output to allow-list). Costs a NAT gateway
   * hour and per-GB processing (roughly USD 33/month in us-east-1) plus the Elastic IP.
   */
  static natGateway(): WechatEgress {
    return new WechatEgress('nat-gateway');
  }

  /** Your VPC: private subnets whose outbound traffic leaves through IPs you already allow-listed. */
  static existingVpc(vpc: ec2.IVpc, options: { subnets?: ec2.SubnetSelection; egressIp?: string } = {}): WechatEgress {
    return new WechatEgress('existing-vpc', {
      vpc,
      subnets: options.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ...(options.egressIp ? { egressIp: options.egressIp } : {}),
    });
  }
}

export interface EgressNetwork {
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  securityGroup: ec2.ISecurityGroup;
  /** The IP to put on WeChat's allow list, when known. */
  egressIp?: string;
}

/** Builds the network an egress mode needs; undefined for Lambda's default networking. */
export function createEgressNetwork(scope: Construct, egress: WechatEgress, removalPolicy: RemovalPolicy): EgressNetwork | undefined {
  if (egress.kind === 'lambda-default') return undefined;
  const network = new Construct(scope, 'Egress');
  let vpc: ec2.IVpc;
  let subnets: ec2.SubnetSelection;
  let egressIp: string | undefined;
  if (egress.kind === 'nat-gateway') {
    const eip = new ec2.CfnEIP(network, 'ElasticIp', { domain: 'vpc', tags: [{ key: 'Name', value: 'wechat-component-egress' }] });
    const created = new ec2.Vpc(network, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: [eip.attrAllocationId] }),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'egress', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
    });
    const flowLogs = new logs.LogGroup(network, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy });
    created.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    // DynamoDB traffic stays inside AWS and off the NAT gateway's per-GB bill.
    created.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
    vpc = created;
    subnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    egressIp = eip.attrPublicIp;
  } else {
    vpc = egress.existing!.vpc;
    subnets = egress.existing!.subnets;
    egressIp = egress.existing!.egressIp;
  }
  // HTTPS out (WeChat and AWS APIs), nothing in.
  const securityGroup = new ec2.SecurityGroup(network, 'SecurityGroup', {
    vpc,
    allowAllOutbound: false,
    description: 'WeChat component functions: HTTPS out only',
  });
  securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to WeChat and AWS APIs');
  return { vpc, subnets, securityGroup, ...(egressIp ? { egressIp } : {}) };
}
