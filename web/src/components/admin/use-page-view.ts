import { useEffect, useState } from 'react';
import type { PageView, PageViews } from './page-view.js';

/** The view to show: undefined until the host said (Forge asks its context), then kept current. */
export function usePageView(views: PageViews): PageView | undefined {
  const [view, setView] = useState<PageView | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void views.initial().then((first) => {
      if (live) setView(first);
    });
    const unsubscribe = views.navigation?.subscribe((next) => setView(next));
    return () => {
      live = false;
      unsubscribe?.();
    };
  }, [views]);
  return view;
}
