import { useCallback, useEffect, useRef, useState } from 'react';
import { isAbort } from '../api/api-error.js';

/** Where a request stands; `previous` keeps the last answer on screen while a new one loads. */
export type Resource<T> =
  | { status: 'idle' }
  | { status: 'loading'; previous?: T }
  | { status: 'ready'; data: T }
  | { status: 'error'; error: Error; previous?: T };

/** The data of a resource, or what was last shown while it reloads or failed. */
export function shownData<T>(resource: Resource<T>): T | undefined {
  if (resource.status === 'ready') return resource.data;
  if (resource.status === 'loading' || resource.status === 'error') return resource.previous;
  return undefined;
}

/**
 * Loads `load()` whenever `key` changes (null: nothing to load). A newer key aborts the older
 * request, so an old answer can never overwrite a newer one. `reload()` asks again.
 */
export function useApiResource<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>): [Resource<T>, () => void] {
  const [resource, setResource] = useState<Resource<T>>({ status: 'idle' });
  const [attempt, setAttempt] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    if (key === null) {
      setResource({ status: 'idle' });
      return;
    }
    const controller = new AbortController();
    setResource((current) => ({ status: 'loading', previous: shownData(current) }));
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setResource({ status: 'ready', data });
      },
      (error: unknown) => {
        if (controller.signal.aborted || isAbort(error)) return;
        setResource((current) => ({ status: 'error', error: error instanceof Error ? error : new Error(String(error)), previous: shownData(current) }));
      },
    );
    return () => controller.abort();
  }, [key, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return [resource, reload];
}
