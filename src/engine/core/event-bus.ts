/** A tiny typed event stream. Listeners are called synchronously in the order they subscribed. */
export class EventBus<E> {
  private listeners = new Set<(event: E) => void>();

  on(listener: (event: E) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: E): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A broken listener must not break the engine or other listeners.
      }
    }
  }
}
