// A query's answer as page state: data, error, loading, and the way to ask again.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { ApiError } from "../api/errors";
import { gql, type Variables } from "../api/http";

export interface QueryState<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => Promise<void>;
}

export function useQuery<T>(query: string, variables: Variables = {}): QueryState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const key = JSON.stringify(variables);
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const ask = ++latest.current;
    setLoading(true);
    try {
      const answer = await gql<T>(query, JSON.parse(key) as Variables);
      if (ask === latest.current) {
        setData(answer);
        setError(null);
      }
    } catch (problem) {
      if (ask === latest.current) setError(problem as ApiError);
    } finally {
      if (ask === latest.current) setLoading(false);
    }
  }, [query, key]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload };
}
