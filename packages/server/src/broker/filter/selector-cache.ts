/**
 * Compiled selectors by expression text (SelectorParser's PARSE_CACHE): a pull that carries its
 * expression, and every heartbeat that repeats one, compiles it once. Failures are cached too,
 * so a consumer repeating a bad expression costs a lookup, not a parse. Bounded, least recently
 * used first out.
 */
import { compileSelector, type CompiledSelector, SelectorParseError } from './expression.ts';

export class SelectorCache {
  private readonly entries = new Map<string, CompiledSelector | SelectorParseError>();
  /** Compilations done (for tests and stats): a hit does not count. */
  compilations = 0;

  constructor(private readonly capacity = 1024) {}

  /** The compiled selector; throws SelectorParseError as compileSelector does. */
  get(expression: string): CompiledSelector {
    let entry = this.entries.get(expression);
    if (entry === undefined) {
      this.compilations++;
      try {
        entry = compileSelector(expression);
      } catch (error) {
        if (!(error instanceof SelectorParseError)) throw error;
        entry = error;
      }
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    } else {
      this.entries.delete(expression);
    }
    this.entries.set(expression, entry);
    if (entry instanceof SelectorParseError) throw entry;
    return entry;
  }

  /** Why an expression cannot filter (CHECK_CLIENT_CONFIG's remark), or undefined when it compiles. */
  failure(expressionType: string, expression: string): string | undefined {
    if (expressionType !== 'SQL92') return `unknown filter type ${expressionType}: rocketmq-ts filters by TAG or SQL92`;
    try {
      this.get(expression);
      return undefined;
    } catch (error) {
      if (error instanceof SelectorParseError) return error.message;
      throw error;
    }
  }
}
