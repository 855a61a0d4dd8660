function test_wrapper_reference(folder, model)
%TEST_WRAPPER_REFERENCE  nngrad_jacobian at the fixture's points against its reference.json
%  (JAX float64 for the ONNX models, a float64 chain rule for the MATLAB ones: both
%  computed without nngrad).
  ref = jsondecode(fileread(fullfile(folder, 'reference.json')));
  X = ref.points';                            % one point per column
  [Y, J] = nngrad_jacobian(fullfile(folder, model), X);
  want_y = ref.outputs_reference_f64;         % batch x m
  want_j = ref.jacobians_reference_f64;       % batch x m x n
  batch = size(X, 2);
  m = size(Y, 1);
  assert_close('outputs', Y, reshape(want_y, batch, m)', 1e-9);
  if ndims(want_j) == 2                       % m = 1: batch x n
    want_j = reshape(want_j, batch, 1, []);
  end
  assert_close('Jacobians', J, permute(want_j, [2 3 1]), 1e-8);
  if ~isequal(size(J), [m, size(X, 1), batch])
    error('J has size %s', mat2str(size(J)));
  end
end
