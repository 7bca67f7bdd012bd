package dev.cmwq.samples.core;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An ordered workqueue: items run one at a time, strictly in the order they were queued, like a
 * single-threaded executor, but on whichever shared worker is free rather than a thread of its
 * own.
 *
 * <p>Use it for a journal, a state machine or any resource that must see its updates one after
 * another and in order. For one such sequence per key (per account, per session) see
 * {@link PerKeyOrdered}.
 */
public final class OrderedQueue {

  /** How many journal entries the sample applies. */
  static final int ENTRIES = 200;

  /**
   * What the run saw.
   *
   * @param applied the entries in the order they were applied
   * @param maxConcurrent the most items that ran at the same moment
   * @param threads the distinct worker threads that ran them
   */
  public record Result(List<Integer> applied, int maxConcurrent, Set<String> threads) {}

  private OrderedQueue() {}

  public static void main(String[] args) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
      run(rt, System.out);
    }
  }

  public static Result run(WorkqueueRuntime rt, PrintStream out) throws InterruptedException {
    Workqueue journal = Workqueue.builder("journal").ordered().runtime(rt).build();
    try {
      List<Integer> applied = new ArrayList<>(); // touched by one item at a time: no lock needed
      AtomicInteger inside = new AtomicInteger();
      AtomicInteger maxInside = new AtomicInteger();
      Set<String> threads = ConcurrentHashMap.newKeySet();
      for (int i = 0; i < ENTRIES; i++) {
        int entry = i;
        journal.queueWork(Work.of(() -> {
          maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
          threads.add(Thread.currentThread().getName());
          applied.add(entry);
          inside.decrementAndGet();
        }));
      }
      journal.flush(); // and makes the items' writes visible here
      out.printf("applied %d entries, in order: %s; at most %d at once; on %d worker thread(s) %s%n",
          applied.size(), isAscending(applied), maxInside.get(), threads.size(), threads);
      return new Result(List.copyOf(applied), maxInside.get(), Set.copyOf(threads));
    } finally {
      journal.destroy();
    }
  }

  private static boolean isAscending(List<Integer> xs) {
    for (int i = 1; i < xs.size(); i++) {
      if (xs.get(i - 1) >= xs.get(i)) {
        return false;
      }
    }
    return true;
  }
}
