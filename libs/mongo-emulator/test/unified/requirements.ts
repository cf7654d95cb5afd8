// runOnRequirements: which tests apply to the deployment the spec run targets.
import { execFileSync } from 'node:child_process';
import { SERVER_VERSION } from '../../src/commands/handshake.commands';
import { EXTERNAL_URI } from '../support/conformance-backend';

export interface Target {
  /** e.g. '7.0.0' */
  version: string;
  topology: 'single' | 'replicaset' | 'sharded' | 'load-balanced';
  auth: boolean;
}

export interface Requirement {
  minServerVersion?: string;
  maxServerVersion?: string;
  topologies?: string[];
  serverless?: 'require' | 'forbid' | 'allow';
  auth?: boolean;
  serverParameters?: Record<string, unknown>;
  csfle?: unknown;
  authMechanism?: string;
}

const PROBE = `
const { MongoClient } = require('mongodb');
(async () => {
  const client = await new MongoClient(process.argv[1], { serverSelectionTimeoutMS: 10000 }).connect();
  const info = await client.db('admin').command({ buildInfo: 1 });
  const hello = await client.db('admin').command({ hello: 1 });
  process.stdout.write(JSON.stringify({ version: info.version, setName: hello.setName, msg: hello.msg }));
  await client.close();
})().catch((error) => { console.error(error); process.exit(1); });
`;

/**
 * The deployment the run targets, known synchronously because jest registers tests before any
 * hook runs: the emulator (a 7.0 replica set without auth) or, with MONGODB_URI, whatever the
 * probe finds there.
 */
export function detectTarget(): Target {
  if (!EXTERNAL_URI) return { version: SERVER_VERSION, topology: 'replicaset', auth: false };
  const output = execFileSync(process.execPath, ['-e', PROBE, EXTERNAL_URI], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  const probe = JSON.parse(output) as { version: string; setName?: string; msg?: string };
  return {
    version: probe.version,
    topology: probe.msg === 'isdbgrid' ? 'sharded' : probe.setName ? 'replicaset' : 'single',
    auth: /^mongodb(\+srv)?:\/\/[^/]*@/.test(EXTERNAL_URI),
  };
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function fits(requirement: Requirement, target: Target): boolean {
  if (
    requirement.minServerVersion &&
    compareVersions(target.version, requirement.minServerVersion) < 0
  ) {
    return false;
  }
  if (
    requirement.maxServerVersion &&
    compareVersions(target.version, requirement.maxServerVersion) > 0
  ) {
    return false;
  }
  if (requirement.topologies && !requirement.topologies.includes(target.topology)) return false;
  if (requirement.serverless === 'require') return false;
  if (requirement.auth !== undefined && requirement.auth !== target.auth) return false;
  if (requirement.authMechanism !== undefined) return false;
  // No test in the vendored folders asks for server parameters or CSFLE; refuse rather than guess.
  if (requirement.serverParameters !== undefined || requirement.csfle !== undefined) return false;
  return true;
}

/** True when any of the requirements fits (or there are none). */
export function requirementsFit(requirements: Requirement[] | undefined, target: Target): boolean {
  return !requirements || requirements.length === 0 || requirements.some((r) => fits(r, target));
}
