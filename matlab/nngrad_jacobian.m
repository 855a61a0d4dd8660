function [Y, J] = nngrad_jacobian(model, X, varargin)
%NNGRAD_JACOBIAN  Outputs and exact Jacobians of a trained network, computed by nngrad.
%   [Y, J] = NNGRAD_JACOBIAN(MODEL, X) evaluates the network in the file MODEL (an .onnx
%   export, or a MATLAB genFunction .m file) at the points X, one point per column
%   (n x batch, as the network's own function takes them). It returns the outputs Y
%   (m x batch) and the Jacobians J (m x n x batch), J(i, j, p) = dY(i, p) / dX(j, p),
%   exact to rounding (forward-mode dual numbers, not finite differences).
%
%   [Y, J] = NNGRAD_JACOBIAN(MODEL, X, 'output', NAME) differentiates the ONNX graph
%   output NAME (default: the first floating-point one); 'threads', N limits the worker
%   threads (default: all cores).
%
%   The nngrad binary is the one named by the environment variable NNGRAD_BIN, else the
%   one on the PATH (install it with `cargo install --path nngrad-cli` in the nngrad
%   repository). Errors of the binary (a bad file, a point of the wrong length) are raised
%   as MATLAB errors with identifier 'nngrad:failed'.
%
%   Example:
%     X = rand(13, 100);                       % 100 points of 13 features
%     [Y, J] = nngrad_jacobian('model.onnx', X);
%     size(J)                                  % 3 13 100
%     J(:, :, 1)                               % dY/dX at the first point
%
%   See also NNGRAD_FORWARD, NNGRAD_SENSITIVITY.

  data = nngrad_run('jacobian', model, X, varargin, {'output', 'threads'});
  m = numel(data.outputs);
  n = numel(data.inputs);
  batch = numel(data.points);
  Y = zeros(m, batch);
  J = zeros(m, n, batch);
  for p = 1:batch
    Y(:, p) = data.points(p).output(:);
    J(:, :, p) = reshape(data.points(p).jacobian, m, n);
  end
end
