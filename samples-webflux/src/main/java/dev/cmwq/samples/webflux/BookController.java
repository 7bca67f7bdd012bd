package dev.cmwq.samples.webflux;

import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Blocking handlers over {@link BookRepository}. They return plain values, not a {@code Mono} or
 * {@code Flux}, so the starter's WebFlux blocking execution runs them as work items on the
 * workqueue named by {@code cmwq.webflux.workqueue} ({@code jdbc} in {@code application.yml}):
 * the Netty event loop only hands the request over and writes the answer. Each answer names the
 * thread that ran the handler, a cmwq worker such as {@code kworker/1:2}.
 */
@RestController
@RequestMapping("/books")
public class BookController {

  private final BookRepository books; // I

  BookController(BookRepository books) {
    this.books = books;
  }

  /** Returns: every book, and the thread that read them. */
  @GetMapping
  public Shelf all() {
    List<Book> all = books.findAll();
    return new Shelf(all, Thread.currentThread().getName());
  }

  /** Returns: one book and the thread that read it; 404 if there is no such book. */
  @GetMapping("/{id}")
  public BookAnswer one(@PathVariable long id) {
    Book b = books.findById(id).orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no book " + id));
    return new BookAnswer(b, Thread.currentThread().getName());
  }

  /**
   * The answer of {@code GET /books/{id}}.
   *
   * @param book the book
   * @param thread the thread the handler ran on
   */
  public record BookAnswer(Book book, String thread) {}

  /**
   * The answer of {@code GET /books}.
   *
   * @param books every book
   * @param thread the thread the handler ran on
   */
  public record Shelf(List<Book> books, String thread) {}
}
