package org.grouptherapy.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.util.unit.DataSize;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies above {@code app.fhir.max-request-size} with 413 and an OperationOutcome,
 * before HAPI parses them: by Content-Length when the client sends one, and by counting bytes as
 * they are read when it streams the body in chunks.
 */
class RequestSizeLimitFilter extends OncePerRequestFilter {

  private final long maxBytes;
  private final FhirContext fhirContext;

  RequestSizeLimitFilter(DataSize maxSize, FhirContext fhirContext) {
    this.maxBytes = maxSize.toBytes();
    this.fhirContext = fhirContext;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (request.getContentLengthLong() > maxBytes) {
      writeTooLarge(response);
      return;
    }
    chain.doFilter(new LimitedRequest(request, maxBytes, tooLargeMessage()), response);
  }

  private String tooLargeMessage() {
    return "The request body is larger than this server accepts ("
        + maxBytes
        + " bytes). Split the data into several requests, e.g. smaller transaction Bundles.";
  }

  private void writeTooLarge(HttpServletResponse response) throws IOException {
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(OperationOutcome.IssueType.TOOLONG)
        .setDiagnostics(tooLargeMessage());
    response.setStatus(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE);
    response.setContentType(Constants.CT_FHIR_JSON_NEW);
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.getWriter().write(fhirContext.newJsonParser().encodeResourceToString(outcome));
  }

  private static final class LimitedRequest extends HttpServletRequestWrapper {
    private final long maxBytes;
    private final String message;
    private ServletInputStream stream;

    LimitedRequest(HttpServletRequest request, long maxBytes, String message) {
      super(request);
      this.maxBytes = maxBytes;
      this.message = message;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (stream == null) {
        stream = new CountingInputStream(super.getInputStream(), maxBytes, message);
      }
      return stream;
    }
  }

  /** Throws HAPI's 413 exception, which the RestfulServer turns into an OperationOutcome. */
  private static final class CountingInputStream extends ServletInputStream {
    private final ServletInputStream delegate;
    private final long maxBytes;
    private final String message;
    private long count;

    CountingInputStream(ServletInputStream delegate, long maxBytes, String message) {
      this.delegate = delegate;
      this.maxBytes = maxBytes;
      this.message = message;
    }

    @Override
    public int read() throws IOException {
      int next = delegate.read();
      if (next >= 0) {
        advance(1);
      }
      return next;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int read = delegate.read(buffer, offset, length);
      if (read > 0) {
        advance(read);
      }
      return read;
    }

    private void advance(long bytes) {
      count += bytes;
      if (count > maxBytes) {
        throw new PayloadTooLargeException(message);
      }
    }

    @Override
    public boolean isFinished() {
      return delegate.isFinished();
    }

    @Override
    public boolean isReady() {
      return delegate.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      delegate.setReadListener(listener);
    }
  }
}
