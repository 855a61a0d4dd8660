function test_wrapper_forward_sensitivity(root)
%TEST_WRAPPER_FORWARD_SENSITIVITY  nngrad_forward and nngrad_sensitivity agree with
%  nngrad_jacobian (the reductions recomputed here from the Jacobians), and the options
%  reach the binary.
  folder = fullfile(root, 'tests', 'data', 'matlab', 'deep_logsig_flat_mapstd');
  model = fullfile(folder, 'netFcn.m');
  ref = jsondecode(fileread(fullfile(folder, 'reference.json')));
  X = ref.points';
  [Y, J] = nngrad_jacobian(model, X, 'threads', 1);
  Yf = nngrad_forward(model, X);
  if ~isequal(Y, Yf)
    error('nngrad_forward differs from nngrad_jacobian''s outputs');
  end
  batch = size(X, 2);
  assert_close('mean_abs', nngrad_sensitivity(model, X), mean(abs(J), 3), 1e-14);
  assert_close('mean', nngrad_sensitivity(model, X, 'reduce', 'mean'), mean(J, 3), 1e-13);
  assert_close('rms', nngrad_sensitivity(model, X, 'reduce', 'rms'), sqrt(sum(J .^ 2, 3) / batch), 1e-14);
  assert_close('max_abs', nngrad_sensitivity(model, X, 'reduce', 'max_abs'), max(abs(J), [], 3), 0);
  % --output reaches the binary: the wine classifier's probabilities by name.
  wine = fullfile(root, 'tests', 'data', 'onnx', 'wine_mlp_relu_softmax_classifier', 'model.onnx');
  P = nngrad_forward(wine, ones(13, 2), 'output', 'probabilities');
  assert_close('probabilities sum to 1', sum(P, 1), [1 1], 1e-12);
end
