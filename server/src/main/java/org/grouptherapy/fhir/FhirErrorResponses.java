package org.grouptherapy.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.grouptherapy.kernel.Outcomes;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Errors answered before HAPI sees a request (Tomcat, the firewall, filters) in FHIR's own format:
 * an OperationOutcome, in XML when the client asks for XML ({@code Accept} or {@code _format}),
 * else JSON. Nothing of the request (its query may hold a name) goes into the message.
 */
public final class FhirErrorResponses {

  private static final FhirContext FHIR = FhirContext.forR4Cached();

  private FhirErrorResponses() {}

  public static void write(
      HttpServletRequest request,
      HttpServletResponse response,
      int status,
      OperationOutcome.IssueType type,
      String message)
      throws IOException {
    OperationOutcome outcome = new OperationOutcome();
    Outcomes.error(outcome, type, message);
    boolean xml = wantsXml(request.getHeader("Accept"), request.getQueryString());
    IParser parser = xml ? FHIR.newXmlParser() : FHIR.newJsonParser();
    response.resetBuffer();
    response.setStatus(status);
    response.setContentType(xml ? "application/fhir+xml" : "application/fhir+json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.getWriter().write(parser.encodeResourceToString(outcome));
    response.getWriter().flush();
  }

  /** 503 with {@code Retry-After}: try again in that many seconds, as the message says why. */
  public static void unavailable(
      HttpServletRequest request,
      HttpServletResponse response,
      int retryAfterSeconds,
      String message)
      throws IOException {
    response.setHeader("Retry-After", Integer.toString(retryAfterSeconds));
    write(
        request,
        response,
        HttpServletResponse.SC_SERVICE_UNAVAILABLE,
        OperationOutcome.IssueType.TRANSIENT,
        message);
  }

  /** Whether the path is under the FHIR base (raw, undecoded: it may not decode at all). */
  public static boolean underFhir(String rawUri, String fhirPath) {
    return rawUri != null && (rawUri.equals(fhirPath) || rawUri.startsWith(fhirPath + "/"));
  }

  static boolean wantsXml(String accept, String rawQuery) {
    String format = formatParameter(rawQuery);
    if (format != null) {
      return format.contains("xml");
    }
    String asked = accept == null ? "" : accept.toLowerCase(Locale.ROOT);
    return asked.contains("xml") && !asked.contains("json");
  }

  private static String formatParameter(String rawQuery) {
    if (rawQuery == null) {
      return null;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.startsWith("_format=")) {
        return pair.substring("_format=".length()).toLowerCase(Locale.ROOT);
      }
    }
    return null;
  }
}
