/**
 * Runs the action the reducer marked pending: reports that it started, awaits it through the
 * Client and reports the outcome (which also triggers a refresh).
 */
import { useEffect, useRef } from 'react';
import type { Dispatch } from 'react';
import { describeRequest, runAction } from '../actions.js';
import type { TuiClient } from '../client.js';
import type { ActionRequest } from '../requests.js';
import type { TuiAction } from '../state.js';

export function useActionRunner(
  client: TuiClient,
  pending: ActionRequest | null,
  dispatch: Dispatch<TuiAction>,
): void {
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  useEffect(() => {
    if (pending === null) return;
    dispatch({ type: 'actionStarted', text: describeRequest(pending) });
    void runAction(client, pending).then((outcome) => {
      if (!mounted.current) return;
      dispatch({
        type: 'actionFinished',
        flash: outcome.flash,
        ...(outcome.deletedInstanceId === undefined ? {} : { deletedInstanceId: outcome.deletedInstanceId }),
      });
    });
  }, [client, pending, dispatch]);
}
