package dev.cmwq.samples.webflux;

/**
 * One row of the simulated {@code book} table.
 *
 * @param id the primary key
 * @param title the title
 * @param author the author
 */
public record Book(long id, String title, String author) {}
