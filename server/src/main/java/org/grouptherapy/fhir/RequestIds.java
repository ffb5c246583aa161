package org.grouptherapy.fhir;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The id HAPI gives a request that brought none ({@code X-Request-ID}): echoed in the response and
 * stored as the source of each version written. It correlates log lines and versions; it is not a
 * secret, so a thread-local random serves. HAPI's own uses commons-lang3's {@code
 * randomAlphanumeric}, which since 3.18 builds a new {@code SecureRandom} on every call (about 1%
 * of the CPU of a read in a JFR profile).
 */
final class RequestIds {

  private static final char[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

  private RequestIds() {}

  static String next(int length) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] id = new char[length];
    for (int i = 0; i < length; i++) {
      id[i] = ALPHABET[random.nextInt(ALPHABET.length)];
    }
    return new String(id);
  }
}
