function assert_close(what, got, want, tolerance)
%ASSERT_CLOSE  Errors unless max|GOT - WANT| <= TOLERANCE * max|WANT| (same sizes).
  if ~isequal(size(got), size(want))
    error('%s: size %s, expected %s', what, mat2str(size(got)), mat2str(size(want)));
  end
  scale = max(abs(want(:)));
  gap = max(abs(got(:) - want(:)));
  if ~(gap <= tolerance * scale)
    error('%s: largest difference %.3e, %.3e relative to the largest entry %.3e (allowed %.1e)', ...
          what, gap, gap / scale, scale, tolerance);
  end
end
