import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * One polite live region's text and the function that changes it. The region is rendered from
 * the start (a live region added together with its text is not read out). The text is cleared
 * first and set a moment later, so announcing the same words twice is read twice; it then stays
 * until the next announcement.
 */
export function useAnnouncer(): [string, (message: string) => void] {
  const [message, setMessage] = useState('');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const announce = useCallback((next: string) => {
    window.clearTimeout(timer.current);
    setMessage('');
    timer.current = window.setTimeout(() => setMessage(next), 50);
  }, []);
  return [message, announce];
}
