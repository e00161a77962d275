import { validateFault, type ArmedFault, type FaultInput, type FaultMatch } from './fault-spec.js';

/** The parts of a request a fault is matched on. */
export interface FaultTarget {
  method: string;
  pathname: string;
  search: string;
}

function matches(match: FaultMatch, target: FaultTarget): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== target.method.toUpperCase()) return false;
  if (match.path === undefined) return true;
  if (typeof match.path === 'string') return target.pathname.startsWith(match.path);
  match.path.lastIndex = 0; // a /g or /y RegExp keeps state between tests
  return match.path.test(target.pathname + target.search);
}

/**
 * An ordered list of armed faults. The first armed fault that matches a request (and that the
 * caller deems applicable) fires and loses one of its `times`; at zero it is gone. Ids are
 * unique per program and never reused.
 */
export class FaultProgram {
  private readonly armed: ArmedFault[] = [];
  private nextId = 1;

  /** Arms a fault after validating it (RangeError); returns its id. */
  add(input: FaultInput): string {
    validateFault(input);
    const { times, match, ...spec } = input;
    const id = `fault-${this.nextId++}`;
    this.armed.push({ ...spec, id, match: match ?? {}, remaining: times ?? 1 } as ArmedFault);
    return id;
  }

  /** Disarms one fault; false when it already fired out or never existed. */
  remove(id: string): boolean {
    const index = this.armed.findIndex((fault) => fault.id === id);
    if (index < 0) return false;
    this.armed.splice(index, 1);
    return true;
  }

  clear(): void {
    this.armed.length = 0;
  }

  /** Copies of the armed faults in match order. */
  list(): ArmedFault[] {
    return this.armed.map((fault) => ({ ...fault }));
  }

  /** Fires the first matching, applicable fault (consuming one of its times), if any. */
  take(target: FaultTarget, applies: (fault: ArmedFault) => boolean = () => true): ArmedFault | undefined {
    const index = this.armed.findIndex((fault) => matches(fault.match, target) && applies(fault));
    if (index < 0) return undefined;
    const fault = this.armed[index] as ArmedFault;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.armed.splice(index, 1);
    return { ...fault };
  }
}
