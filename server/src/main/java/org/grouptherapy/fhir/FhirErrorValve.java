package org.grouptherapy.fhir;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Tomcat's error page for requests Tomcat refuses itself (a URL that does not decode, a control
 * character in a path, a request line longer than the connector reads): an OperationOutcome under
 * the FHIR base, Tomcat's page without details elsewhere.
 */
public class FhirErrorValve extends ErrorReportValve {

  private volatile String fhirPath = "/fhir";

  public FhirErrorValve() {
    setShowReport(false);
    setShowServerInfo(false);
  }

  void setFhirPath(String fhirPath) {
    this.fhirPath = fhirPath;
  }

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400
        || response.getContentWritten() > 0
        || !(unknownPath(request.getRequestURI())
            || FhirErrorResponses.underFhir(request.getRequestURI(), fhirPath))) {
      super.report(request, response, throwable);
      return;
    }
    if (!response.setErrorReported()) {
      return;
    }
    try {
      FhirErrorResponses.write(
          request,
          response,
          status,
          status >= 500 ? OperationOutcome.IssueType.EXCEPTION : OperationOutcome.IssueType.INVALID,
          message(status));
    } catch (IOException | IllegalStateException e) {
      // The client went away, or the response was committed meanwhile: nothing left to tell.
    }
  }

  /** A request line too long to read leaves no path: most such requests are FHIR searches. */
  private static boolean unknownPath(String uri) {
    return uri == null || uri.isEmpty();
  }

  private static String message(int status) {
    return switch (status) {
      case HttpServletResponse.SC_BAD_REQUEST ->
          "The request line could not be read: the URL holds characters that are not allowed"
              + " or a malformed percent-encoding (%XX), or it is too long. Percent-encode"
              + " search values, and send long searches as POST [type]/_search with a form body.";
      case 414 ->
          "The URL is too long. Send long searches as POST [type]/_search with a form body.";
      default -> "The server could not handle this request (HTTP " + status + ").";
    };
  }
}
