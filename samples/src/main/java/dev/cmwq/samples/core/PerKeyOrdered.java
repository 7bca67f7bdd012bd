package dev.cmwq.samples.core;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * One ordered strand per key: the operations of one account run one at a time and in submission
 * order, while different accounts run in parallel on the workqueue's workers.
 *
 * <p>{@link KeyedStrands} keeps, per key, a {@link Work} subclass that owns a FIFO of tasks.
 * Submitting adds to the key's FIFO and queues its strand; because queueing a pending item is a
 * no-op and a work item never runs concurrently with itself, the strand needs no lock of its own
 * to run its tasks one at a time. A strand runs a bounded batch and queues itself again if more
 * is waiting, so a busy key does not hold a worker forever. A strand whose FIFO runs dry retires
 * (leaves the map) at the end of its run, so idle keys cost nothing; the next task for that key
 * makes a new strand, which can only start once the old one has no task left.
 *
 * <p>Use it instead of one ordered workqueue per key when keys are many or short-lived (account
 * ids, sessions, device ids).
 */
public final class PerKeyOrdered {

  /**
   * Runs tasks in order per key, in parallel across keys, on one workqueue. Thread-safe.
   *
   * @param <K> the key; must have a proper {@code equals}/{@code hashCode}
   */
  public static final class KeyedStrands<K> {

    /** Tasks one strand runs before it queues itself again, to let other keys through. */
    static final int BATCH = 16;

    private final Workqueue wq;
    private final ConcurrentHashMap<K, Strand> strands = new ConcurrentHashMap<>();

    public KeyedStrands(Workqueue wq) {
      this.wq = wq;
    }

    /** Runs {@code task} after every task submitted earlier for {@code key}, never alongside one. */
    public void submit(K key, Runnable task) {
      // the add happens under the map's lock for this key, so a strand retiring concurrently
      // either sees the task (and stays) or is already out of the map (and we make a new one)
      Strand s = strands.compute(key, (k, existing) -> {
        Strand st = existing != null ? existing : new Strand(k);
        st.tasks.add(task);
        return st;
      });
      wq.queueWork(s); // false if already pending: it will find the task anyway
    }

    /** Returns: how many keys have a strand now (keys with tasks queued or running). */
    public int strandCount() {
      return strands.size();
    }

    private final class Strand extends Work {
      private final K key;
      private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

      Strand(K key) {
        this.key = key;
      }

      @Override
      protected void execute() {
        for (int i = 0; i < BATCH; i++) {
          Runnable task = tasks.poll();
          if (task == null) {
            break;
          }
          try {
            task.run();
          } catch (RuntimeException e) {
            // one failing task must not stall its key: report it as cmwq reports a failing item
            // (the worker thread's handler) and go on with the next one
            Thread t = Thread.currentThread();
            t.getUncaughtExceptionHandler().uncaughtException(t, e);
          }
        }
        if (!tasks.isEmpty()) {
          wq.queueWork(this); // more is waiting: go to the back of the workqueue
          return;
        }
        // retire if nothing arrived meanwhile; checked under the same lock submit adds under
        strands.computeIfPresent(key, (k, st) -> st == this && st.tasks.isEmpty() ? null : st);
      }
    }
  }

  /** Accounts in the sample. */
  static final int ACCOUNTS = 8;
  /** Operations per account. */
  static final int OPS_PER_ACCOUNT = 100;

  /**
   * What the run saw.
   *
   * @param opsByAccount per account, the operation numbers in the order they ran
   * @param accountsRanInParallel whether two accounts' operations were running at the same moment
   * @param strandsLeft strands alive once everything had run
   */
  public record Result(Map<String, List<Integer>> opsByAccount, boolean accountsRanInParallel, int strandsLeft) {}

  private PerKeyOrdered() {}

  public static void main(String[] args) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
      run(rt, System.out);
    }
  }

  public static Result run(WorkqueueRuntime rt, PrintStream out) throws InterruptedException {
    Workqueue wq = Workqueue.builder("accounts").unbound().maxActive(4).runtime(rt).build();
    try {
      KeyedStrands<String> strands = new KeyedStrands<>(wq);
      Map<String, List<Integer>> opsByAccount = new ConcurrentHashMap<>();
      CountDownLatch allDone = new CountDownLatch(ACCOUNTS * OPS_PER_ACCOUNT);
      // the first operations of acct-0 and acct-1 wait for each other: they only both get past
      // the barrier if the two accounts run at the same time
      CyclicBarrier meet = new CyclicBarrier(2);
      boolean[] met = new boolean[1];
      for (int op = 0; op < OPS_PER_ACCOUNT; op++) {
        for (int a = 0; a < ACCOUNTS; a++) {
          String account = "acct-" + a;
          int n = op;
          strands.submit(account, () -> {
            if (n == 0 && (account.equals("acct-0") || account.equals("acct-1"))) {
              try {
                meet.await(10, TimeUnit.SECONDS);
                met[0] = true;
              } catch (Exception e) {
                met[0] = false;
              }
            }
            opsByAccount.computeIfAbsent(account, k -> Collections.synchronizedList(new ArrayList<>())).add(n);
            allDone.countDown();
          });
        }
      }
      allDone.await();
      wq.flush(); // the strands' last runs (and their retirement) were queued before this call
      Map<String, List<Integer>> sorted = new TreeMap<>(opsByAccount);
      for (Map.Entry<String, List<Integer>> e : sorted.entrySet()) {
        List<Integer> ops = e.getValue();
        out.printf("%s: %d operations, first %s, last %s%n", e.getKey(), ops.size(), ops.subList(0, 5), ops.subList(ops.size() - 5, ops.size()));
      }
      out.printf("accounts ran in parallel: %s; strands left: %d%n", met[0], strands.strandCount());
      return new Result(sorted, met[0], strands.strandCount());
    } finally {
      wq.destroy();
    }
  }
}
