import { createContext, useContext } from 'react';

/**
 * Counts renders of the view's costly parts (list rows, the live pane) where a test asks for it:
 * a test wraps the view in `<RenderProbe.Provider value={(name) => ...}>`; without a provider
 * nothing is counted. The view must re-render only what changed (a live screen's update must not
 * redraw the list, a key must not redraw the pane), and these counts are how tests see that.
 */
export const RenderProbe = createContext<((component: string) => void) | null>(null);

export function useRenderProbe(component: string): void {
  useContext(RenderProbe)?.(component);
}
