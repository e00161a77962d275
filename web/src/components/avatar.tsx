import { useState } from 'react';

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((word) => [...(word ?? '')][0] ?? '').join('').toUpperCase() || '?';
}

/**
 * A user's avatar, or their initials when there is no picture or it does not load (Jira's avatar
 * host is unreachable in some networks; a broken image is worse than initials).
 */
export function Avatar({ name, url }: { name: string; url: string | null | undefined }) {
  const [failed, setFailed] = useState(false);
  if (!url || failed) {
    return (
      <span className="avatar avatar-initials" aria-hidden="true">
        {initials(name)}
      </span>
    );
  }
  return <img className="avatar" src={url} alt="" width={20} height={20} loading="lazy" referrerPolicy="no-referrer" onError={() => setFailed(true)} />;
}
