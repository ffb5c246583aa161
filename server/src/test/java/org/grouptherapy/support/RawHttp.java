package org.grouptherapy.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * HTTP/1.1 written by hand on a socket, for what Java's HttpClient refuses to send: characters a
 * URI may not hold (an unencoded {@code |}, a stray {@code %}), a request line of any length, or a
 * {@code Host} header of one's choosing.
 */
public final class RawHttp {

  private RawHttp() {}

  public static Response send(int port, String requestLine, Map<String, String> headers)
      throws IOException {
    StringBuilder request = new StringBuilder(requestLine).append("\r\n");
    if (!headers.containsKey("Host")) {
      request.append("Host: localhost:").append(port).append("\r\n");
    }
    headers.forEach(
        (name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
    request.append("Connection: close\r\n\r\n");
    try (Socket socket = new Socket("localhost", port)) {
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      return Response.of(all.toByteArray());
    }
  }

  /** A response read to the end of the connection; a chunked body is joined back together. */
  public record Response(String head, String body) {

    static Response of(byte[] bytes) {
      String latin = new String(bytes, StandardCharsets.ISO_8859_1);
      int end = latin.indexOf("\r\n\r\n");
      String head = latin.substring(0, end);
      byte[] rest = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
      Response raw = new Response(head, "");
      if (!raw.header("transfer-encoding").equalsIgnoreCase("chunked")) {
        return new Response(head, new String(rest, StandardCharsets.UTF_8));
      }
      ByteArrayOutputStream joined = new ByteArrayOutputStream();
      String restLatin = new String(rest, StandardCharsets.ISO_8859_1);
      int at = 0;
      while (at < rest.length) {
        int lineEnd = restLatin.indexOf("\r\n", at);
        int size = Integer.parseInt(restLatin.substring(at, lineEnd).trim(), 16);
        if (size == 0) {
          break;
        }
        joined.write(rest, lineEnd + 2, size);
        at = lineEnd + 2 + size + 2;
      }
      return new Response(head, joined.toString(StandardCharsets.UTF_8));
    }

    public int status() {
      return Integer.parseInt(head.substring(9, 12));
    }

    public String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return "";
    }
  }
}
