package org.grouptherapy.kernel.access;

import java.util.List;

/**
 * Implemented by each feature's operation bindings: who may call its operations, declared next to
 * them. The security package turns the permits into authorization rules for each caller; an
 * operation without a permit is refused to everyone (deny by default).
 */
public interface OperationAccess {

  List<OperationPermit> permits();
}
