/**
 * One choice of a streaming response: an output-guard stream per text field (answer, reasoning, refusal),
 * and the tool calls it makes, withheld until the choice finishes so each is checked whole (a call cannot
 * be judged, or taken back, from half its arguments).
 */
import type { Finding } from '../../core/finding.ts';
import type { GuardContext, OutputStream, StreamStep } from '../../guard/index.ts';
import { toolArgumentDeniedFinding } from './rules.ts';
import { checkToolCall, MAX_TOOL_ARGUMENT_CHARS } from './tools.ts';
import type { FilterAction, GatewayGuards } from './types.ts';
import { isRecord, relocate, worse } from './verdict.ts';

type Json = Record<string, unknown>;

/** The verdict so far of a whole response, shared by its choices. */
export class StreamTally {
  action: FilterAction;
  readonly findings: Finding[] = [];
  constructor(guardOn: boolean) {
    this.action = guardOn ? 'allow' : 'skipped';
  }
  add(action: FilterAction, findings: readonly Finding[]): void {
    this.action = worse(this.action, action);
    this.findings.push(...findings);
  }
}

/** A tool call being assembled from OpenAI deltas. */
interface PendingCall {
  index: number;
  id?: string;
  type?: string;
  name: string;
  args: string;
}

/** What a finished choice still has to send. */
export interface ChoiceFlush {
  /** The rest of each text field, in field order; only fields with text left. */
  texts: [field: string, text: string][];
  /** OpenAI `tool_calls` delta items, one per call, whole. */
  toolCalls: Json[];
  /** The legacy OpenAI `function_call`, whole. */
  functionCall?: Json;
  /** Ollama's complete tool calls (arguments as objects). */
  ollamaCalls: Json[];
}

export interface ChoiceOptions {
  guards: GatewayGuards;
  context: GuardContext;
  tally: StreamTally;
  /** Where findings in a field are reported, e.g. `response.choices[1].delta.content`. */
  fieldPath(field: string): string;
  /** Where a tool call is reported, e.g. `response.choices[1].delta.tool_calls[0]`. */
  callPath(index: number): string;
}

export class ChoiceFilter {
  finished = false;
  private readonly channels = new Map<string, { stream?: OutputStream; released: string }>();
  private readonly calls = new Map<number, PendingCall>();
  private functionCall?: { name: string; args: string };
  private readonly ollamaCalls: Json[] = [];
  private heldCallChars = 0;

  constructor(private readonly options: ChoiceOptions) {}

  /** Everything released so far in one field. */
  released(field: string): string {
    return this.channels.get(field)?.released ?? '';
  }

  /** True while something of this choice may still be sent (it has not finished). */
  get open(): boolean {
    return !this.finished;
  }

  /** Feeds a piece of one text field; returns what may be sent now, or null when the response is blocked. */
  text(field: string, chunk: string): string | null {
    const channel = this.channel(field);
    if (channel.stream === undefined) {
      channel.released += chunk;
      return chunk;
    }
    const step = channel.stream.push(chunk);
    return this.take(field, channel, step);
  }

  /** Adds OpenAI `delta.tool_calls` items; false (blocked) when the withheld arguments grow too large. */
  addToolCallDeltas(items: readonly unknown[]): boolean {
    for (const item of items) {
      if (!isRecord(item)) continue;
      const index = typeof item.index === 'number' ? item.index : 0;
      let call = this.calls.get(index);
      if (call === undefined) {
        call = { index, name: '', args: '' };
        this.calls.set(index, call);
      }
      if (typeof item.id === 'string' && call.id === undefined) call.id = item.id;
      if (typeof item.type === 'string' && call.type === undefined) call.type = item.type;
      const fn = isRecord(item.function) ? item.function : {};
      if (typeof fn.name === 'string') call.name += fn.name;
      if (typeof fn.arguments === 'string') {
        call.args += fn.arguments;
        if (!this.hold(fn.arguments.length, call.name, this.options.callPath(index))) return false;
      }
    }
    return true;
  }

  /** Adds a legacy `delta.function_call` piece. */
  addFunctionCallDelta(delta: unknown): boolean {
    if (!isRecord(delta)) return true;
    this.functionCall ??= { name: '', args: '' };
    if (typeof delta.name === 'string') this.functionCall.name += delta.name;
    if (typeof delta.arguments === 'string') {
      this.functionCall.args += delta.arguments;
      return this.hold(delta.arguments.length, this.functionCall.name, this.options.callPath(-1));
    }
    return true;
  }

  /** Adds Ollama's complete tool calls (they arrive whole, arguments as objects). */
  addOllamaCalls(calls: readonly unknown[]): boolean {
    for (const call of calls) {
      if (!isRecord(call)) continue;
      this.ollamaCalls.push(call);
      const fn = isRecord(call.function) ? call.function : {};
      const size = JSON.stringify(fn.arguments ?? null).length;
      const name = typeof fn.name === 'string' ? fn.name : undefined;
      if (!this.hold(size, name, this.options.callPath(this.ollamaCalls.length - 1))) return false;
    }
    return true;
  }

  /**
   * The choice finished: ends each field's guard stream and checks every withheld tool call. Returns what
   * is left to send, or null when the response is blocked.
   */
  finish(): ChoiceFlush | null {
    const flush: ChoiceFlush = { texts: [], toolCalls: [], ollamaCalls: [] };
    for (const [field, channel] of this.channels) {
      if (channel.stream === undefined) continue;
      const rest = this.take(field, channel, channel.stream.end());
      if (rest === null) return null;
      if (rest !== '') flush.texts.push([field, rest]);
    }
    const { guards, context, tally } = this.options;
    const check = (name: string | undefined, args: string, path: string) => {
      const verdict = checkToolCall(name, args, guards, context, path);
      tally.add(
        verdict.action === 'allow' && verdict.findings.length === 0 ? 'skipped' : verdict.action,
        verdict.findings,
      );
      return verdict.action === 'block' ? null : verdict.arguments;
    };
    for (const call of [...this.calls.values()].sort((a, b) => a.index - b.index)) {
      const args = check(
        call.name === '' ? undefined : call.name,
        call.args,
        this.options.callPath(call.index),
      );
      if (args === null) return null;
      const item: Json = { index: call.index };
      if (call.id !== undefined) item.id = call.id;
      item.type = call.type ?? 'function';
      item.function = { name: call.name, arguments: args };
      flush.toolCalls.push(item);
    }
    if (this.functionCall !== undefined) {
      const { name, args } = this.functionCall;
      const checked = check(name === '' ? undefined : name, args, this.options.callPath(-1));
      if (checked === null) return null;
      flush.functionCall = { name, arguments: checked };
    }
    for (const [j, call] of this.ollamaCalls.entries()) {
      const fn = isRecord(call.function) ? call.function : {};
      const args = fn.arguments === undefined ? '' : JSON.stringify(fn.arguments);
      const checked = check(
        typeof fn.name === 'string' ? fn.name : undefined,
        args,
        this.options.callPath(j),
      );
      if (checked === null) return null;
      flush.ollamaCalls.push(
        checked === args ? call : { ...call, function: { ...fn, arguments: JSON.parse(checked) } },
      );
    }
    // Only now: a choice that blocked while finishing is still open, so it gets its content_filter end.
    this.finished = true;
    return flush;
  }

  private channel(field: string): { stream?: OutputStream; released: string } {
    let channel = this.channels.get(field);
    if (channel === undefined) {
      const guard = this.options.guards.output;
      channel =
        guard === undefined
          ? { released: '' }
          : { stream: guard.outputStream(this.options.context), released: '' };
      this.channels.set(field, channel);
    }
    return channel;
  }

  private take(field: string, channel: { released: string }, step: StreamStep): string | null {
    const path = this.options.fieldPath(field);
    this.options.tally.add(
      step.action,
      relocate(step.findings, () => path),
    );
    if (step.action === 'block') return null;
    channel.released += step.release;
    return step.release;
  }

  /** Counts withheld tool-call characters; past the cap the response is blocked. */
  private hold(chars: number, name: string | undefined, path: string): boolean {
    this.heldCallChars += chars;
    if (this.heldCallChars <= MAX_TOOL_ARGUMENT_CHARS) return true;
    this.options.tally.add('block', [
      toolArgumentDeniedFinding(name === '' ? undefined : name, path, { tooLarge: this.heldCallChars }),
    ]);
    return false;
  }
}
