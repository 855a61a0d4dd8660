function S = nngrad_sensitivity(model, X, varargin)
%NNGRAD_SENSITIVITY  The Jacobian of a trained network reduced over many points, by nngrad.
%   S = NNGRAD_SENSITIVITY(MODEL, X) returns the m x n matrix S with S(i, j) the mean over
%   the points (the columns of X, n x batch) of |dY(i)/dX(j)|: how strongly each input
%   moves each output. MODEL is an .onnx export or a MATLAB genFunction .m file. The
%   Jacobians are reduced as they are computed, never all held at once.
%
%   S = NNGRAD_SENSITIVITY(MODEL, X, 'reduce', R) reduces by R: 'mean_abs' (default),
%   'mean', 'rms' or 'max_abs'. 'output', NAME selects an ONNX graph output; 'threads', N
%   limits the worker threads.
%
%   The nngrad binary is the one named by the environment variable NNGRAD_BIN, else the
%   one on the PATH. Its errors are raised with identifier 'nngrad:failed'.
%
%   Example:
%     S = nngrad_sensitivity('model.onnx', X, 'reduce', 'rms');
%     [~, order] = sort(S(1, :), 'descend');   % inputs by influence on output 1
%
%   See also NNGRAD_JACOBIAN, NNGRAD_FORWARD.

  data = nngrad_run('sensitivity', model, X, varargin, {'output', 'threads', 'reduce'});
  S = reshape(data.sensitivity, numel(data.outputs), numel(data.inputs));
end
