package dev.cmwq.samples.webflux;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Repository;

/**
 * A stand-in for a JDBC repository: every call blocks its thread for {@link #LATENCY}, as a
 * round trip to a database would, then answers from a fixed table. It knows nothing of cmwq: it
 * sleeps like any blocking driver, and the workqueue's concurrency management notices the
 * sleeping worker and lets another one take its CPU slot. Thread-safe (the table is immutable).
 */
@Repository
public class BookRepository {

  /** How long each call blocks. */
  public static final Duration LATENCY = Duration.ofMillis(50);

  /** The table, by primary key. */
  private static final List<Book> ROWS =
      List.of(
          new Book(1, "The Design of the UNIX Operating System", "Maurice J. Bach"),
          new Book(2, "Linux Kernel Development", "Robert Love"),
          new Book(3, "Understanding the Linux Kernel", "Daniel P. Bovet, Marco Cesati"),
          new Book(4, "Java Concurrency in Practice", "Brian Goetz et al."),
          new Book(5, "The Art of Multiprocessor Programming", "Maurice Herlihy, Nir Shavit"));

  /** The primary-key index of {@link #ROWS}. */
  private static final Map<Long, Book> BY_ID =
      ROWS.stream().collect(Collectors.toUnmodifiableMap(Book::id, Function.identity()));

  /** Returns: the book with primary key {@code id}, or empty; after one simulated round trip. */
  public Optional<Book> findById(long id) {
    roundTrip();
    return Optional.ofNullable(BY_ID.get(id));
  }

  /** Returns: every book, by primary key; after one simulated round trip. */
  public List<Book> findAll() {
    roundTrip();
    return ROWS;
  }

  /** Blocks the calling thread for {@link #LATENCY}, like waiting on a database socket. */
  private static void roundTrip() {
    try {
      Thread.sleep(LATENCY.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the database", e);
    }
  }
}
