/**
 * `createGatewayGuards`: the input and output guards and the compiled tool policy, built once from the
 * config and shared by every request (a guard holds only its resolved policy, so sharing is safe).
 */
import { ParapetError } from '../../core/errors.ts';
import { createGuard, type Guard } from '../../guard/index.ts';
import type { GatewayConfig, GuardSideConfig } from '../config-types.ts';
import type { GatewayGuards, ToolPolicy } from './types.ts';

/**
 * Builds the guards for `config.guard`. Throws ParapetError (USAGE) for an invalid policy or a
 * `denyArguments` entry that is not a valid regular expression, naming the key.
 */
export function createGatewayGuards(config: GatewayConfig['guard']): GatewayGuards {
  const input = buildGuard(config.input);
  const output = buildGuard(config.output);
  const guards: GatewayGuards = {
    ...(input === undefined ? {} : { input }),
    ...(output === undefined ? {} : { output }),
    tools: compileToolPolicy(config.tools),
    spotlight: { roles: [...config.spotlight.roles], mode: config.spotlight.mode },
    ...(config.systemPrompt === undefined || config.systemPrompt === ''
      ? {}
      : { systemPrompt: config.systemPrompt }),
  };
  return guards;
}

function buildGuard(side: GuardSideConfig): Guard | undefined {
  if (!side.enabled) return undefined;
  if (side.policy !== undefined) {
    // A policy without its own preset takes the side's `preset`, so `preset: strict` plus a few overrides works.
    const preset = side.policy.preset ?? side.preset;
    return createGuard(preset === undefined ? side.policy : { ...side.policy, preset });
  }
  return createGuard(side.preset ?? 'balanced');
}

/** Compiles `guard.tools`; the patterns are used as written, without flags (write `[Rr]m` for either case). */
export function compileToolPolicy(tools: GatewayConfig['guard']['tools']): ToolPolicy {
  const denyArguments = tools.denyArguments.map((source, i) => {
    try {
      return new RegExp(source);
    } catch (err) {
      throw new ParapetError(
        'USAGE',
        `guard.tools.denyArguments[${i}]: not a valid regular expression: ${(err as Error).message}`,
        { cause: err },
      );
    }
  });
  return { allow: new Set(tools.allow), denyArguments };
}
