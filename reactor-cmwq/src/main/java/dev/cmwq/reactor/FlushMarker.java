package dev.cmwq.reactor;

import java.util.concurrent.CompletableFuture;

/**
 * A {@link StrandWorker#flushMarker() flush} of one worker: an entry of the worker's FIFO queue
 * that completes its future when the strand reaches it, that is once every task queued before it
 * has finished. Internal: not counted, not passed to {@code Schedulers.onSchedule}.
 */
final class FlushMarker extends CompletableFuture<Void> implements StrandTask {

  @Override
  public void runOnStrand() {
    complete(null);
  }

  @Override
  public void dropFromQueue() {
    complete(null);
  }
}
