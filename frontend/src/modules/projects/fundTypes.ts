/**
 * Fund allocations (资金下达), disbursements (报账), fund views and anomalies, as the contract of
 * those routes names them (money as decimal strings "123.45").
 */
export interface Allocation {
  id: string
  project_id: string
  source: string
  amount: string
  document_no: string
  allocated_on: string
  published_on: string | null
  disbursed: string
  available: string
  created_at: string
  actor_name: string | null
}

export interface AllocationIn {
  source: string
  amount: string
  document_no: string
  allocated_on: string
  published_on?: string | null
}

export interface Disbursement {
  id: string
  project_id: string
  source: string
  amount: string
  paid_on: string
  payee: string
  payee_household_id: string | null
  purpose: string
  voucher_no: string
  stage: string | null
  corrects_id: string | null
  corrected_by: string | null
  net: string
  evidence_ids: string[]
  created_at: string
  actor_name: string | null
}

export interface DisbursementIn {
  source: string
  amount: string
  paid_on: string
  payee: string
  payee_household_id?: string | null
  purpose: string
  voucher_no: string
  stage?: string | null
  corrects_id?: string | null
  evidence_ids?: string[]
}

export interface SourceFunds {
  source: string
  allocated: string
  disbursed: string
  available: string
  rate: string | null
  idle: boolean | string | null
}

export interface FundsSummary {
  allocated: string
  disbursed: string
  available: string
  rate: string | null
  idle: boolean | string | null
  by_source: SourceFunds[]
}

export interface CountyFunds {
  county_code: string
  county_name: string
  projects: number
  allocated: string
  disbursed: string
  available: string
  rate: string | null
  idle: boolean | string | null
}

export interface Anomaly {
  kind: string
  project_id: string
  project_code: string
  project_name: string
  county_code: string
  area_code: string
  allocation_id: string | null
  disbursement_id: string | null
  voucher_no: string | null
  amount: string | null
  on: string | null
  detail: string | null
}

export interface AnomalyPage {
  items: Anomaly[]
  next_cursor?: string | null
}
