package dev.cmwq.internal;

import java.util.concurrent.CompletableFuture;

/**
 * The kernel's {@code wq_barrier}: a flush barrier queued right behind the item being flushed
 * (or at the head of the scheduled list of the worker running it). It never counts in
 * {@code nrActive}, takes the colour of its target, and cannot be cancelled; running it
 * completes {@link #done}.
 */
final class Barrier extends WorkItem {

  /** Completed when the barrier runs; completed by the worker after it drops the pool lock. */
  final CompletableFuture<Void> done = new CompletableFuture<>();

  Barrier() {
    state = PENDING; // never queued through the PENDING protocol; the bit keeps queueWork off it
    inactive = true;
  }

  @Override
  boolean isBarrier() {
    return true;
  }

  @Override
  protected void execute() {
    done.complete(null);
  }
}
